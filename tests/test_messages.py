"""User-facing messages: internal paths and reprs replaced by the user's own file name."""

from mathdash.messages import is_extraction_note, user_message

STORED = "/tmp/mathdash-uploads/3fa2b1c4d5e6f708.zip"


def test_the_stored_upload_path_and_its_hash_name_become_the_users_name():
    text = f"{STORED} is not a readable zip archive; 3fa2b1c4d5e6f708.zip is 3.1 GB"
    assert user_message(text, "symbols.zip", [STORED]) == (
        "symbols.zip is not a readable zip archive; symbols.zip is 3.1 GB")


def test_an_extraction_folder_becomes_the_zip_name_and_keeps_the_member_path():
    text = "/srv/app/artifacts/cache/zips/9a8b7c6d5e/alpha/broken.jpg"
    assert user_message(text, "symbols.zip") == "symbols.zip/alpha/broken.jpg"
    assert is_extraction_note("symbols.zip extracted to artifacts/cache/zips/9a8b7c6d5e")
    assert not is_extraction_note("3 stray files skipped")


def test_an_uploaded_file_repr_becomes_its_name():
    text = "cannot identify image file UploadedFile(file_id='4c1', name='x.png', upload_url='/_stcore/x')"
    assert user_message(text, "x.png") == "cannot identify image file x.png"


def test_other_text_is_left_alone():
    assert user_message("/data/extracted_images has no class folders", "/data/extracted_images") == (
        "/data/extracted_images has no class folders")
