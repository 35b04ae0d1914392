"""Mutation testing of the core modules with mutmut: how many changed copies of the code the tests catch.

Run: ``.venv/bin/python benchmarks/mutation.py [--only split,evaluate] [--jobs 2]``. Each group is
mutated in its own scratch copy of the project (``--work-dir``, default a folder under the system temp
dir), with only its own test files, and the score is printed per module. Goal: at least 85% of the
mutants killed in every group. Not part of ``scripts/test.sh``: the whole run takes minutes, not seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_KILLED = 0.85


@dataclass(frozen=True)
class Group:
    """One mutation run: the files mutmut changes, the tests it runs, and (optionally) which mutants."""

    files: tuple[str, ...]
    tests: tuple[str, ...]
    mutants: tuple[str, ...] = ()  # mutmut name globs; empty: every mutant of ``files``
    pytest_args: tuple[str, ...] = ()


GROUPS: dict[str, Group] = {
    "dedup": Group(("mathdash/dedup/*.py",),
                   ("tests/test_dedup_hashing.py", "tests/test_dedup_groups.py", "tests/test_dedup_search.py",
                    "tests/test_dedup_leakage.py", "tests/test_dedup_verify.py", "tests/test_dedup_cli.py",
                    "tests/test_dedup_mutants.py", "tests/test_dedup_verify_mutants.py",
                    "tests/test_dedup_core_mutants.py")),
    "split": Group(("mathdash/split.py",), ("tests/test_split.py", "tests/test_split_mutants.py")),
    "loaders": Group(("mathdash/loaders/*.py",),
                     tuple(f"tests/test_loaders_{name}.py" for name in
                           ("archive", "emnist", "folder", "hasy", "images", "inkml", "pickle", "source",
                            "mutants")),
                     pytest_args=("-m", "not slow")),
    "flip": Group(("mathdash/augment/flip.py",),
                  ("tests/test_augment_pipeline.py", "tests/test_augment_flip.py")),
    "prepare_drawing": Group(("mathdash/predict.py",),
                             ("tests/test_predict.py", "tests/test_predict_mutants.py"),
                             mutants=tuple(f"mathdash.predict.x_{name}__mutmut_*" for name in
                                           ("prepare_drawing", "_ink_strength", "_check_pixels",
                                            "_ink_from_grey", "_resample", "_redraw")),
                             pytest_args=("-m", "not slow")),
    "evaluate": Group(("mathdash/evaluate.py",),
                      ("tests/test_evaluate.py", "tests/test_evaluate_mutants.py")),
}

# Mutants that survive because they change nothing a caller can see; each was read and judged by hand.
# Keys are mutmut's names (they shift when the function they live in is edited: re-check then).
_INT64_DEFAULT = "numpy's default integer is int64 here: the same array"
_SAME_ARGMAX = "an extra zero column, or scaled counts, never change the argmax"
_NONZERO_PATTERN = "only the graph's non-zero pattern counts for its components"
_RESHAPE_NO_OP = "the inverse of a 1-D array is 1-D: reshape is a no-op"
_NO_WORST = "no worst class only for empty input, which sklearn refuses first"
_LIGHT_CLIP = "(bg - grey) / bg <= 1 for grey >= 0: the upper clip never acts"
_DARK_CLIP = "(grey - bg) / (255 - bg) <= 1: the upper clip never acts"
_CODEC_CASE = "Python's codec names ignore case: 'UTF-8' is 'utf-8'"
_ASCII_JSON = "the JSON is written with ensure_ascii, so any encoding reads and writes it the same"
_ENSURE_ASCII_DEFAULT = "json.dumps escapes non-ASCII by default: ensure_ascii=True is the default"
_CLEANUP_MKDTEMP = "removing the folder mkdtemp just made: no error for ignore_errors to ignore, short of a " \
                   "filesystem fault"
_FROM_BYTES_BIG = "int.from_bytes is big-endian by default since Python 3.11 (the project needs >= 3.11)"
_ZIP_READER_STOPS = "zipfile's reader stops at the declared size itself (then fails the CRC): the guard " \
                    "never fires, and the bytes copied are the same"
_STR_ARRAY = "a non-empty list of str makes a str array by itself"
_INT64_LABELS = "Dataset casts labels to int64 itself"
_FLOAT64_LIST = "a list of Python floats makes a float64 array by itself"
_ONE_CLOSE_BRACE = "a tag holds at most one '}' (a namespace URI cannot hold one): every split gives the " \
                   "same last part"
_CACHE_KIND = "the kind only has to differ from other loaders' kinds; it is spelled the same on every load"
_ANY_NEGATIVE = "numpy takes any negative size as the one to infer"
_CV_NONE_BLACK = "OpenCV reads a None colour as 0: black, the same ink"
_GREY_SHORTCUT = "'1', 'L' and 'P' give the same grey through RGB: the shortcut only saves a copy"
_NEVER_EMPTY = "_check_pixels refuses images without pixels first: values are never empty here"
_CLIP_TOP = "after scaling no value exceeds 255: the upper clip never acts"
_ALREADY_UINT8 = "gray is uint8 on every path: the dtype is a no-op"
_POSIX_SEP = "on POSIX os.sep is '/': the first replace already removed every '/'"
_PIL_SUFFIX = "Pillow infers the same format from the file's .png/.jpg suffix"
_TEMP_NAME = "the temporary's suffix is never seen: it is renamed into place or removed"
_MKSTEMP_EXISTS = "unlinking the file mkstemp just made: it exists, missing_ok has nothing to allow"
_SAME_ROWS = "without the shortcut the same rows are copied: equal arrays and lists"
_EMPTY_USED = "a list of ints is int64 by itself; an empty one selects no label either way"
_UINT64_SUMS = "uint8 sums in numpy's default uint64: the same values, no overflow"
_FLOAT64_MATH = "float64 instead of float32 arithmetic: the same scores at float32 precision"
_EINSUM_LABELS = "einsum's subscripts are only labels"
_EINSUM_OPTIMIZE = "optimize only picks the contraction order of two operands: the same sums"
_RESHAPE_NEGATIVE = "numpy reads any negative size as 'the rest'"
_INT_PAIRS = "integer pairs keep their values without the cast"
_SLICE_END = "a slice end past the frame is cut to the frame"
_EXACT_PRODUCTS = "integer row numbers: the same exact products"
_BATCHES = "batches only bound memory: each pair's score is the same"
_UNREAD_WINDOWS = "windows past the shifts tried are never read"
_SAME_CENTRED = "the centred pictures given are centre_ink(pictures): recomputing gives the same"
_SAME_CENTRES = "pixel_similarity computes the same ink centres itself"
_SORTED_AFTER = "pairs are made unique and sorted afterwards: member order within a value is free"
_NORM_NEVER_SMALL = "box sums are integers: a norm is 0 or above 0.7, never 1e-3"
_PRODUCT_TIE = "differs only where a product of spreads is exactly 1e-3"
_SPREAD_NEVER_SMALL = "a spread is 0 (blank) or at least 1/255 (one grey level): never 1e-3"
_GIVEN_CENTRES = "centres given are ink_centres(images): recomputing gives the same"
_NONE_CENTRED = "None goes on to thumbnails, which centres the pictures itself"
_QUICK_TIE = "differs only on a thumbnail score exactly at the floor"
_SETTLED_GONE = "settled pictures have left every pair: forgetting them changes nothing"
_ANY_WIDTH = "any width above the largest index encodes and decodes the same"
_DENSE_INVERSE = "inverse indices are dense: bincount has len(values) entries anyway"
_SINGLE_VALUE = "a value held by one image yields no pair within itself"
_BLOCK_SIZE = "the block size only bounds memory: the same pairs"
_STEP_END = "any step end past its start covers the same pairs: only memory per step changes"
_BUCKET_ORDER = "pairs are sorted afterwards: the order within a bucket is free"
_CAST_LATER = "callers cast the rows to int64 on the way out"
_ZERO_MASK = "at 64 bits the zero-mask chunk compares every pair: the same pairs"
_CASE_INSENSITIVE = "numpy and pywt read these names case-insensitively"
_LAST_AXES = "the default axes are the last ones: the same transform"
_PYWT_LEVEL = "pywt's deepest level for a square of side scale is top_level"
_REDONE_EXACTLY = "more results redone exactly: the same pixels, only slower"
_S16_INFERRED = "16-byte digests make an S16 array all the same"
_SAME_DIGESTS = "digests given are exact_digests(images): recomputing gives the same"
_WEAK_COMPONENTS = "directed with connection='weak' gives the same components"
_INT_LABELS = "integer labels keep their values without the cast"
_HASHES_READ_ONLY = "copy or not: nothing writes to the hashes"
_WHOLE_PAIRS = "n (n - 1) / 2 is whole: as a float it compares the same"
_ZERO_MASK_BRUTE = "at 64 bits the zero-mask chunk counts every pair: brute all the same"
_POWER_OF_TWO = "for sizes 2..8, n & (n - 2) flags the same non-powers of two"
_WHOLE_WORDS = "each row is one whole 8-byte word: packing flat gives the same bytes"
_LANCZOS_EDGE = "Lanczos at -3 is about 1e-33: its tap rounds to 0 either way"
_ANY_MEMBER = "a label differs from the first member's iff one differs from the second's"
EQUIVALENT: dict[str, str] = {
    "mathdash.augment.flip.x_flip_targets__mutmut_7": _INT64_DEFAULT,
    "mathdash.augment.flip.x_flip_targets__mutmut_10": _INT64_DEFAULT,
    "mathdash.augment.flip.x_flip_by_label__mutmut_9": "'<' vs '<=' on a draw in [0, 1): differs only on an "
                                                       "exact tie with the probability",
    "mathdash.split.x_sample_groups__mutmut_16": "scipy takes the float index array all the same",
    "mathdash.split.x_sample_groups__mutmut_18": "scipy takes the float index array all the same",
    "mathdash.split.x_sample_groups__mutmut_34": "every row links to itself, so the inferred shape is (n, n)",
    "mathdash.split.x_sample_groups__mutmut_36": "every row links to itself, so the inferred shape is (n, n)",
    "mathdash.split.x_sample_groups__mutmut_38": _NONZERO_PATTERN,
    "mathdash.split.x_sample_groups__mutmut_40": _NONZERO_PATTERN,
    "mathdash.split.x_sample_groups__mutmut_43": "directed with connection='weak' gives the same components",
    "mathdash.split.x_sample_groups__mutmut_45": "directed with connection='weak' gives the same components",
    "mathdash.split.x_sample_groups__mutmut_46": "directed with connection='weak' gives the same components",
    "mathdash.split.x_make_split__mutmut_11": _INT64_DEFAULT,
    "mathdash.split.x_make_split__mutmut_13": _INT64_DEFAULT,
    "mathdash.split.x__first_with_same_value__mutmut_11": _RESHAPE_NO_OP,
    "mathdash.split.x__first_with_same_value__mutmut_13": _RESHAPE_NO_OP,
    "mathdash.split.x__assign_groups__mutmut_6": "an extra empty group gets no rows",
    "mathdash.split.x__assign_groups__mutmut_7": "an empty dataset: the one group gets no rows",
    "mathdash.split.x__assign_groups__mutmut_10": "group ids are dense 0..G-1: bincount is G long anyway",
    "mathdash.split.x__assign_groups__mutmut_12": "group ids are dense 0..G-1: bincount is G long anyway",
    "mathdash.split.x__assign_groups__mutmut_22": "parts are only compared with ==: float 0/1/2 serve",
    "mathdash.split.x__assign_groups__mutmut_24": "parts are only compared with ==: float 0/1/2 serve",
    "mathdash.split.x__deal_class__mutmut_8": "numpy reads the sort kind case-insensitively",
    "mathdash.split.x__deal_class__mutmut_10": "targets scaled by a constant: (t - f) / t keeps its argmax",
    "mathdash.split.x__deal_class__mutmut_18": "the gap rule deals three groups one to each part as well",
    "mathdash.split.x__deal_class__mutmut_19": "the gap rule deals three groups one to each part as well",
    "mathdash.split.x__majority_label__mutmut_6": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_7": "an empty dataset: no group reads the column",
    "mathdash.split.x__majority_label__mutmut_10": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_12": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_17": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_24": _SAME_ARGMAX,
    "mathdash.split.x__check_fractions__mutmut_3": "three numbers become float64 either way",
    "mathdash.split.x__check_fractions__mutmut_5": "three numbers become float64 either way",
    "mathdash.evaluate.x_scores_from_labels__mutmut_11": "zero_division's default 'warn' also gives 0",
    "mathdash.evaluate.x_scores_from_labels__mutmut_48": _NO_WORST,
    "mathdash.evaluate.x_scores_from_labels__mutmut_107": _NO_WORST,
    "mathdash.evaluate.x_scores_from_labels__mutmut_112": _NO_WORST,
    "mathdash.evaluate.x_scores_from_labels__mutmut_71": "macro F1 over classes with support: never 0/0",
    "mathdash.evaluate.x_scores_from_labels__mutmut_74": "macro F1 over classes with support: never 0/0",
    "mathdash.evaluate.x_scores_from_labels__mutmut_80": "classes left out have zero support: zero weight",
    "mathdash.evaluate.x_scores_from_labels__mutmut_85": "classes left out have zero support: zero weight",
    "mathdash.evaluate.x_scores_from_labels__mutmut_87": "a 0/0 class has zero support: zero weight",
    "mathdash.evaluate.x_scores_from_labels__mutmut_90": "a 0/0 class has zero support: zero weight",
    "mathdash.evaluate.x_most_confused_pairs__mutmut_3": "counts are cast with int() on the way out",
    "mathdash.evaluate.x_most_confused_pairs__mutmut_5": "counts are cast with int() on the way out",
    "mathdash.evaluate.x_most_confused_pairs__mutmut_18": "numpy reads the sort kind case-insensitively",
    "mathdash.evaluate.x_per_class_table__mutmut_13": "pandas reads orient case-insensitively",
    "mathdash.evaluate.x_predict_proba__mutmut_9": "output_shape is (None, K): [1] is [-1]",
    "mathdash.evaluate.x_align_classes__mutmut_5": _INT64_DEFAULT,
    "mathdash.evaluate.x_align_classes__mutmut_7": _INT64_DEFAULT,
    "mathdash.evaluate.x_align_classes__mutmut_13": "any negative marks a missing class (kept: >= 0)",
    "mathdash.evaluate.x_align_classes__mutmut_16": "an empty label array indexes to an empty array",
    "mathdash.predict.x__ink_from_grey__mutmut_8": _LIGHT_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_20": _LIGHT_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_23": _DARK_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_37": _DARK_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_18": "on light paper bg >= 128: max(bg, 2) == max(bg, 1)",
    "mathdash.predict.x__ink_from_grey__mutmut_35": "on dark paper 255 - bg > 127: max(., 2) == max(., 1)",
    "mathdash.predict.x__resample__mutmut_26": "a scale of exactly 1 is no resize under either filter",
    "mathdash.predict.x__resample__mutmut_34": "PIL infers mode 'F' from a float32 array",
    "mathdash.predict.x__resample__mutmut_36": "PIL infers mode 'F' from a float32 array",
    "mathdash.predict.x_prepare_drawing__mutmut_41": "one more pixel of padding: the skeleton and the crop "
                                                     "around it are the same",
    "mathdash.predict.x_prepare_drawing__mutmut_47": "fit_to_box's default margin is DEFAULT_MARGIN",
    "mathdash.predict.x__redraw__mutmut_43": "one more pixel of padding: fit_to_box crops it off",
    "mathdash.dedup.leakage.x_split_leakage__mutmut_28": "test rows are distinct: no ties to sort stably",
    "mathdash.dedup.leakage.x_split_leakage__mutmut_30": "test rows are distinct: no ties to sort stably",
    "mathdash.dedup.leakage.x_split_leakage__mutmut_32": "test rows are distinct: no ties to sort stably",
    "mathdash.loaders.archive.x__entry_name__mutmut_9": _CODEC_CASE,
    "mathdash.loaders.archive.x__entry_name__mutmut_11": _CODEC_CASE,
    "mathdash.loaders.archive.x__extract_entry__mutmut_22": _ZIP_READER_STOPS,
    "mathdash.loaders.archive.x__extract_entry__mutmut_23": _ZIP_READER_STOPS,
    "mathdash.loaders.archive.x__extract_entry__mutmut_24": _ZIP_READER_STOPS,
    "mathdash.loaders.archive.x__extract_entry__mutmut_26": _ZIP_READER_STOPS,
    "mathdash.loaders.archive.x__extract_entry__mutmut_27": _ZIP_READER_STOPS,
    "mathdash.loaders.archive.x__extract_entry__mutmut_28": _ZIP_READER_STOPS,
    "mathdash.loaders.archive.x__extract_once__mutmut_8": _ASCII_JSON,
    "mathdash.loaders.archive.x__extract_once__mutmut_10": _CODEC_CASE,
    "mathdash.loaders.archive.x__extract_once__mutmut_39": _ASCII_JSON,
    "mathdash.loaders.archive.x__extract_once__mutmut_41": _ASCII_JSON,
    "mathdash.loaders.archive.x__extract_once__mutmut_45": _ENSURE_ASCII_DEFAULT,
    "mathdash.loaders.archive.x__extract_once__mutmut_48": _CODEC_CASE,
    "mathdash.loaders.archive.x__extract_once__mutmut_50": _CLEANUP_MKDTEMP,
    "mathdash.loaders.archive.x__extract_once__mutmut_52": _CLEANUP_MKDTEMP,
    "mathdash.loaders.archive.x__extract_once__mutmut_53": _CLEANUP_MKDTEMP,
    "mathdash.loaders.archive.x__extract_once__mutmut_59": _CLEANUP_MKDTEMP,
    "mathdash.loaders.archive.x__extract_once__mutmut_61": _CLEANUP_MKDTEMP,
    "mathdash.loaders.archive.x__extract_once__mutmut_62": _CLEANUP_MKDTEMP,
    "mathdash.loaders.cache.x__write_entry__mutmut_33": _CODEC_CASE,
    "mathdash.loaders.cache.x__write_entry__mutmut_38": "allow_pickle=None is falsy like False: object arrays are "
                                                        "refused the same",
    "mathdash.loaders.cache.x__write_entry__mutmut_63": _ASCII_JSON,
    "mathdash.loaders.cache.x__write_entry__mutmut_65": _ASCII_JSON,
    "mathdash.loaders.cache.x__write_entry__mutmut_72": _ENSURE_ASCII_DEFAULT,
    "mathdash.loaders.cache.x__write_entry__mutmut_75": _CODEC_CASE,
    "mathdash.loaders.cache.x_content_key__mutmut_10": _CODEC_CASE,
    "mathdash.loaders.cache.xǁDatasetCacheǁload__mutmut_5": _ASCII_JSON,
    "mathdash.loaders.cache.xǁDatasetCacheǁload__mutmut_10": _CODEC_CASE,
    "mathdash.loaders.cache.xǁDatasetCacheǁload__mutmut_35": _CODEC_CASE,
    "mathdash.loaders.cache.xǁDatasetCacheǁsave__mutmut_25": _CLEANUP_MKDTEMP,
    "mathdash.loaders.cache.xǁDatasetCacheǁsave__mutmut_27": _CLEANUP_MKDTEMP,
    "mathdash.loaders.cache.xǁDatasetCacheǁsave__mutmut_28": _CLEANUP_MKDTEMP,
    "mathdash.loaders.images.x__decode_jpeg_fast__mutmut_11": "a frame of zero pixels: OpenCV never returns an "
                                                             "array of that shape, so None either way",
    "mathdash.loaders.images.x__decode_jpeg_fast__mutmut_17": "data ends with FFD9 only if it still does with "
                                                             "trailing zeros stripped: the first test is redundant",
    "mathdash.loaders.images.x__jpeg_header__mutmut_18": _FROM_BYTES_BIG,
    "mathdash.loaders.images.x__jpeg_header__mutmut_33": _FROM_BYTES_BIG,
    "mathdash.loaders.images.x__jpeg_header__mutmut_44": _FROM_BYTES_BIG,
    "mathdash.loaders.images.x__to_gray__mutmut_26": "Pillow clips a fill value of 256 to 255",
    "mathdash.loaders.images.x__to_gray__mutmut_36": _GREY_SHORTCUT,
    "mathdash.loaders.images.x__to_gray__mutmut_37": _GREY_SHORTCUT,
    "mathdash.loaders.images.x__to_gray__mutmut_38": _GREY_SHORTCUT,
    "mathdash.loaders.images.x__to_gray__mutmut_39": _GREY_SHORTCUT,
    "mathdash.loaders.images.x__to_gray__mutmut_40": _GREY_SHORTCUT,
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_7": "astype(None) is astype(float64)",
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_15": _NEVER_EMPTY,
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_18": _NEVER_EMPTY,
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_19": _NEVER_EMPTY,
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_25": "all-zero floats: 0 * 255 is 0",
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_31": "a top of exactly 255 needs 8 bits: * 255 / 255 changes "
                                                          "nothing",
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_50": _CLIP_TOP,
    "mathdash.loaders.images.x__wide_to_uint8__mutmut_56": _CLIP_TOP,
    "mathdash.loaders.images.x_to_dataset_image__mutmut_17": _ALREADY_UINT8,
    "mathdash.loaders.images.x_to_dataset_image__mutmut_19": _ALREADY_UINT8,
    "mathdash.loaders.inkml.x__assemble__mutmut_24": _STR_ARRAY,
    "mathdash.loaders.inkml.x__assemble__mutmut_26": _STR_ARRAY,
    "mathdash.loaders.inkml.x__assemble__mutmut_60": "Dataset's default original_size is (45, 45)",
    "mathdash.loaders.inkml.x__assemble__mutmut_68": _INT64_LABELS,
    "mathdash.loaders.inkml.x__assemble__mutmut_70": _INT64_LABELS,
    "mathdash.loaders.inkml.x__assemble__mutmut_81": _STR_ARRAY,
    "mathdash.loaders.inkml.x__assemble__mutmut_83": _STR_ARRAY,
    "mathdash.loaders.inkml.x__decode__mutmut_32": "_tell does not use its chunk count",
    "mathdash.loaders.inkml.x__decode__mutmut_47": "_tell does not use its chunk count",
    "mathdash.loaders.inkml.x__local__mutmut_4": _ONE_CLOSE_BRACE,
    "mathdash.loaders.inkml.x__local__mutmut_5": _ONE_CLOSE_BRACE,
    "mathdash.loaders.inkml.x__local__mutmut_7": _ONE_CLOSE_BRACE,
    "mathdash.loaders.inkml.x__points__mutmut_9": _FLOAT64_LIST,
    "mathdash.loaders.inkml.x__points__mutmut_11": _FLOAT64_LIST,
    "mathdash.loaders.inkml.x__points__mutmut_17": _ANY_NEGATIVE,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_7": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_11": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_12": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_18": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_22": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_23": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_38": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_46": _CACHE_KIND,
    "mathdash.loaders.inkml.x_load_inkml__mutmut_47": _CACHE_KIND,
    "mathdash.loaders.inkml.x_parse_inkml__mutmut_17": "only traceGroup elements hold traceView children: every "
                                                       "other element is passed over by the refs check",
    "mathdash.loaders.strokes.x_render_strokes__mutmut_11": _ANY_NEGATIVE,
    "mathdash.loaders.strokes.x_render_strokes__mutmut_50": "no extent: every point equals low, so "
                                                            "(stroke - low) * scale is 0 for any scale",
    "mathdash.loaders.strokes.x_render_strokes__mutmut_86": "with two or more points, every row equals xy[1] "
                                                            "exactly when every row equals xy[0]",
    "mathdash.loaders.strokes.x_render_strokes__mutmut_90": _CV_NONE_BLACK,
    "mathdash.loaders.strokes.x_render_strokes__mutmut_109": "OpenCV fills a circle for any negative thickness",
    "mathdash.loaders.strokes.x_render_strokes__mutmut_112": "OpenCV reads isClosed=None as False",
    "mathdash.loaders.strokes.x_render_strokes__mutmut_113": _CV_NONE_BLACK,
    "mathdash.loaders.strokes.x_render_strokes__mutmut_128": "OpenCV takes (K, 2) points as well as (K, 1, 2)",
    "mathdash.loaders.strokes.x_render_strokes__mutmut_131": _ANY_NEGATIVE,
    "mathdash.loaders.writer.x_folder_name__mutmut_15": _POSIX_SEP,
    "mathdash.loaders.writer.x_folder_name__mutmut_16": _POSIX_SEP,
    "mathdash.loaders.writer.x_write_folder__mutmut_27": "Pillow's PNG writer ignores a quality option: the same bytes",
    "mathdash.loaders.writer.x_write_folder__mutmut_41": _PIL_SUFFIX,
    "mathdash.loaders.writer.x_write_folder__mutmut_43": _PIL_SUFFIX,
    "mathdash.loaders.assemble.x_dataset_from_files__mutmut_38": _INT64_LABELS,
    "mathdash.loaders.assemble.x_dataset_from_files__mutmut_42": "count only preallocates: the generator yields "
                                                                 "keep.size labels anyway",
    "mathdash.loaders.assemble.x_dataset_from_files__mutmut_53": _SAME_ROWS,
    "mathdash.loaders.assemble.x_dataset_from_files__mutmut_69": _SAME_ROWS,
    "mathdash.loaders.assemble.x_dataset_from_files__mutmut_71": _SAME_ROWS,
    "mathdash.loaders.emnist.x__class_names__mutmut_14": _EMPTY_USED,
    "mathdash.loaders.emnist.x__class_names__mutmut_16": _EMPTY_USED,
    "mathdash.loaders.emnist.x__class_names__mutmut_25": _INT64_LABELS,
    "mathdash.loaders.emnist.x__read_mapping__mutmut_2": "merged stays falsy until a line holds more than two codes: "
                                                         "None and False act alike",
    "mathdash.loaders.emnist.x__read_mapping__mutmut_9": _CODEC_CASE,
    "mathdash.loaders.emnist.x_read_idx__mutmut_22": _FROM_BYTES_BIG,
    "mathdash.loaders.emnist.x_read_idx__mutmut_35": _FROM_BYTES_BIG,
    "mathdash.loaders.folder.xǁFolderListingǁkey__mutmut_5": "any constant size and mtime for skipped entries keys "
                                                            "the same listings apart",
    "mathdash.loaders.folder.xǁFolderListingǁkey__mutmut_6": _CACHE_KIND,
    "mathdash.loaders.folder.xǁFolderListingǁkey__mutmut_14": _CACHE_KIND,
    "mathdash.loaders.folder.xǁFolderListingǁkey__mutmut_15": _CACHE_KIND,
    "mathdash.loaders.hasy.x__read_rows__mutmut_14": _CODEC_CASE,
    "mathdash.loaders.hasy.x_is_hasy_csv__mutmut_11": _CODEC_CASE,
    "mathdash.loaders.hasy.x_load_hasy__mutmut_26": _CACHE_KIND,
    "mathdash.loaders.hasy.x_load_hasy__mutmut_34": _CACHE_KIND,
    "mathdash.loaders.hasy.x_load_hasy__mutmut_35": _CACHE_KIND,
    "mathdash.loaders.npzfile.x_load_npz__mutmut_5": "allow_pickle=None is falsy like False: nothing is unpickled",
    "mathdash.loaders.npzfile.x_load_npz__mutmut_7": "np.load's default is allow_pickle=False",
    "mathdash.loaders.npzfile.x_load_npz__mutmut_33": _INT64_LABELS,
    "mathdash.loaders.npzfile.x_load_npz__mutmut_39": _ANY_NEGATIVE,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_15": _STR_ARRAY + "; an empty one reads back empty",
    "mathdash.loaders.npzfile.x_save_npz__mutmut_17": _STR_ARRAY + "; an empty one reads back empty",
    "mathdash.loaders.npzfile.x_save_npz__mutmut_21": _STR_ARRAY + "; an empty one reads back empty",
    "mathdash.loaders.npzfile.x_save_npz__mutmut_23": _STR_ARRAY + "; an empty one reads back empty",
    "mathdash.loaders.npzfile.x_save_npz__mutmut_30": _INT64_DEFAULT,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_32": _INT64_DEFAULT,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_50": _TEMP_NAME,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_53": _TEMP_NAME,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_54": _TEMP_NAME,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_55": _TEMP_NAME,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_71": _MKSTEMP_EXISTS,
    "mathdash.loaders.npzfile.x_save_npz__mutmut_73": _MKSTEMP_EXISTS,
    "mathdash.loaders.parallel.xǁ_Collectorǁ__init____mutmut_27": "every row is stored by its chunk before the "
                                                                 "result is read: the first reasons never show",
    "mathdash.loaders.pickled.x__as_label_vector__mutmut_19": _ANY_NEGATIVE,
    "mathdash.loaders.pickled.x__as_label_vector__mutmut_31": _INT64_LABELS,
    "mathdash.loaders.resize.x__resize_stack__mutmut_31": _ANY_NEGATIVE,
    "mathdash.loaders.resize.x__resize_stack__mutmut_39": "the float copy holds the uint8 results exactly and is cast "
                                                          "back on assignment",
    "mathdash.loaders.resize.x__resize_stack__mutmut_41": "the float copy holds the uint8 results exactly and is cast "
                                                          "back on assignment",
    "mathdash.loaders.resize.x__resize_stack__mutmut_70": _ANY_NEGATIVE,
    "mathdash.loaders.resize.x_as_uint8_pixels__mutmut_11": "uint8 values over 1 come out of the float path "
                                                            "unchanged too",
    "mathdash.loaders.resize.x_fit_whole__mutmut_49": "a scale of exactly 1 resizes to the same size: a copy under "
                                                      "either filter",
    "mathdash.loaders.x__load_path__mutmut_72": _CACHE_KIND,
    "mathdash.loaders.x__load_path__mutmut_76": _CACHE_KIND,
    "mathdash.loaders.x__load_path__mutmut_77": _CACHE_KIND,
    "mathdash.loaders.x__load_path__mutmut_100": _CACHE_KIND,
    "mathdash.loaders.x__load_path__mutmut_104": _CACHE_KIND,
    "mathdash.loaders.x__load_path__mutmut_105": _CACHE_KIND,
    "mathdash.loaders.x_load_data__mutmut_21": _INT64_DEFAULT,
    "mathdash.loaders.x_load_data__mutmut_24": _INT64_DEFAULT,
    "mathdash.dedup.verify.x_thumbnail_similarity__mutmut_7": _INT_PAIRS,
    "mathdash.dedup.verify.x_thumbnail_similarity__mutmut_9": _INT_PAIRS,
    "mathdash.dedup.verify.x_thumbnail_similarity__mutmut_11": _RESHAPE_NEGATIVE,
    "mathdash.dedup.verify.x_thumbnail_similarity__mutmut_22": _EINSUM_LABELS,
    "mathdash.dedup.verify.x_thumbnail_similarity__mutmut_36": _EINSUM_LABELS,
    "mathdash.dedup.verify.x__check_inputs__mutmut_17": _INT_PAIRS,
    "mathdash.dedup.verify.x__check_inputs__mutmut_19": _INT_PAIRS,
    "mathdash.dedup.verify.x__check_inputs__mutmut_21": _RESHAPE_NEGATIVE,
    "mathdash.dedup.verify.x__check_inputs__mutmut_38": "for a whole max_shift, <= n / 2 and <= n // 2 agree",
    "mathdash.dedup.verify.x__correlation__mutmut_13": _PRODUCT_TIE,
    "mathdash.dedup.verify.x__correlation__mutmut_17": _SPREAD_NEVER_SMALL,
    "mathdash.dedup.verify.x__correlation__mutmut_19": _SPREAD_NEVER_SMALL,
    "mathdash.dedup.verify.x__correlation__mutmut_22": "the score is clipped to 1 right after",
    "mathdash.dedup.verify.x_ink_centres__mutmut_7": _UINT64_SUMS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_9": _UINT64_SUMS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_15": _UINT64_SUMS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_17": _UINT64_SUMS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_20": "astype(None) is float64 too",
    "mathdash.dedup.verify.x_ink_centres__mutmut_25": _EXACT_PRODUCTS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_27": _EXACT_PRODUCTS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_30": _EXACT_PRODUCTS,
    "mathdash.dedup.verify.x_ink_centres__mutmut_32": _EXACT_PRODUCTS,
    "mathdash.dedup.verified.x_centred_ink__mutmut_1": _NONE_CENTRED,
    "mathdash.dedup.verified.x_centred_ink__mutmut_2": _SAME_CENTRED,
    "mathdash.dedup.verified.x_centred_ink__mutmut_4": "either way thumbnails get centre_ink(pictures)",
    "mathdash.dedup.candidates.x__unique_rows__mutmut_15": _ANY_WIDTH,
    "mathdash.dedup.candidates.x_candidate_pairs__mutmut_19": _SORTED_AFTER,
    "mathdash.dedup.candidates.x_candidate_pairs__mutmut_21": _SORTED_AFTER,
    "mathdash.dedup.candidates.x_candidate_pairs__mutmut_23": _SORTED_AFTER,
    "mathdash.dedup.candidates.x_candidate_pairs__mutmut_26": _DENSE_INVERSE,
    "mathdash.dedup.candidates.x_candidate_pairs__mutmut_28": _DENSE_INVERSE,
    "mathdash.dedup.candidates.x_candidate_pairs__mutmut_34": _SINGLE_VALUE,
    "mathdash.dedup.exact.x_count_pixel_copies__mutmut_4": "with no digests the count is 0 all the same",
    "mathdash.dedup.search.x__brute_force_pairs__mutmut_7": _BLOCK_SIZE,
    "mathdash.dedup.search.x__brute_force_pairs__mutmut_13": _BLOCK_SIZE,
    "mathdash.dedup.search.x__choose_strategy__mutmut_3": _WHOLE_PAIRS,
    "mathdash.dedup.search.x__choose_strategy__mutmut_9": _ZERO_MASK_BRUTE,
    "mathdash.dedup.search.x__choose_strategy__mutmut_18": "the counts are int64 already",
    "mathdash.dedup.search.x__choose_strategy__mutmut_29": "pair counts are whole: float halves sum the same",
    "mathdash.dedup.search.x__concat__mutmut_4": _CAST_LATER,
    "mathdash.dedup.search.x__concat__mutmut_7": _CAST_LATER,
    "mathdash.dedup.search.x__concat__mutmut_9": _CAST_LATER,
    "mathdash.dedup.search.x__expand_ranges__mutmut_15": "no owners: the loop does not start either way",
    "mathdash.dedup.search.x__expand_ranges__mutmut_21": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_22": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_24": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_25": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_26": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_34": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_35": _STEP_END,
    "mathdash.dedup.search.x__expand_ranges__mutmut_37": _STEP_END,
    "mathdash.dedup.search.x__index_pairs__mutmut_1": _ZERO_MASK,
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_5": _ZERO_MASK,
    "mathdash.dedup.search.x__index_pairs__mutmut_13": _BUCKET_ORDER,
    "mathdash.dedup.search.x__index_pairs__mutmut_15": _BUCKET_ORDER,
    "mathdash.dedup.search.x__index_pairs__mutmut_17": _BUCKET_ORDER,
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_30": _BUCKET_ORDER,
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_32": _BUCKET_ORDER,
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_34": _BUCKET_ORDER,
    "mathdash.dedup.search.x__sorted_pairs__mutmut_5": "np.sort's default axis is the last: axis 1",
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_17": _INT64_DEFAULT,
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_44": "searchsorted's default side is 'left'",
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_46": _CASE_INSENSITIVE,
    "mathdash.dedup.search.x_find_cross_pairs__mutmut_56": _CASE_INSENSITIVE,
    "mathdash.dedup.hashing.x__average_hash__mutmut_15": _RESHAPE_NEGATIVE,
    "mathdash.dedup.hashing.x__perceptual_hash__mutmut_28": _RESHAPE_NEGATIVE,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_82": _RESHAPE_NEGATIVE,
    "mathdash.dedup.hashing.x__hash_function__mutmut_16": _POWER_OF_TWO,
    "mathdash.dedup.hashing.x__pack_bits__mutmut_22": _WHOLE_WORDS,
    "mathdash.dedup.hashing.x__pack_bits__mutmut_24": _WHOLE_WORDS,
    "mathdash.dedup.hashing.x__perceptual_hash__mutmut_25": _LAST_AXES,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_28": _PYWT_LEVEL,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_32": _PYWT_LEVEL,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_33": _LAST_AXES,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_50": _LAST_AXES,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_65": _LAST_AXES,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_35": _CASE_INSENSITIVE,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_52": _CASE_INSENSITIVE,
    "mathdash.dedup.hashing.x__wavelet_hash__mutmut_67": _CASE_INSENSITIVE,
    "mathdash.dedup.hashing.x_exact_digests__mutmut_19": _S16_INFERRED,
    "mathdash.dedup.hashing.x_exact_digests__mutmut_21": _S16_INFERRED,
    "mathdash.dedup.hashing.x_exact_digests__mutmut_23": _S16_INFERRED,
    "mathdash.dedup.resample.x__lanczos__mutmut_2": _LANCZOS_EDGE,
    "mathdash.dedup.resample.x__resample_rows__mutmut_8": _REDONE_EXACTLY,
    "mathdash.dedup.resample.x__resample_rows__mutmut_9": _REDONE_EXACTLY,
    "mathdash.dedup.resample.x__resample_rows__mutmut_11": _REDONE_EXACTLY,
    "mathdash.dedup.resample.x__resample_rows__mutmut_13": _REDONE_EXACTLY,
    "mathdash.dedup.resample.x__resample_rows__mutmut_20": _REDONE_EXACTLY,
    "mathdash.dedup.resample.x__resample_rows__mutmut_38": _EINSUM_LABELS,
    "mathdash.dedup.resample.x__resample_rows__mutmut_39": "astype(None) is float64 too",
    "mathdash.dedup.resample.x__to_fixed_point__mutmut_10": "a zero weight rounds to 0 on either side",
    "mathdash.dedup.resample.x_resize_lanczos__mutmut_4": "float64 rows: the same products, exactly",
    "mathdash.dedup.groups.x__build_report__mutmut_21": _ANY_MEMBER,
    "mathdash.dedup.groups.x__groups_largest_first__mutmut_13": _CASE_INSENSITIVE,
    "mathdash.dedup.groups.x__groups_largest_first__mutmut_33": "two members of one group share its id",
    "mathdash.dedup.groups.x__representatives__mutmut_33": "majority labels held as floats compare equal",
    "mathdash.dedup.groups.x__representatives__mutmut_35": "majority labels held as floats compare equal",
    "mathdash.dedup.groups.x__representatives__mutmut_37": "an extra entry nobody reads",
    "mathdash.dedup.groups.x__transitive_groups__mutmut_34": _NONZERO_PATTERN,
    "mathdash.dedup.groups.x__transitive_groups__mutmut_36": _NONZERO_PATTERN,
    "mathdash.dedup.groups.x__transitive_groups__mutmut_41": "None is false: undirected all the same",
    "mathdash.dedup.groups.x__transitive_groups__mutmut_43": _WEAK_COMPONENTS,
    "mathdash.dedup.groups.x__transitive_groups__mutmut_44": _WEAK_COMPONENTS,
    "mathdash.dedup.groups.x__unpack__mutmut_27": _INT_LABELS,
    "mathdash.dedup.groups.x__unpack__mutmut_29": _INT_LABELS,
    "mathdash.dedup.groups.x__verified_groups__mutmut_20": _SAME_CENTRED,
    "mathdash.dedup.groups.x__verified_groups__mutmut_26": _SAME_CENTRED,
    "mathdash.dedup.groups.x_find_duplicate_groups__mutmut_49": _SAME_DIGESTS,
    "mathdash.dedup.groups.x_find_duplicate_groups__mutmut_57": _HASHES_READ_ONLY,
    "mathdash.dedup.groups.x_find_duplicate_groups__mutmut_59": _HASHES_READ_ONLY,
    "mathdash.dedup.groups.x_find_duplicate_groups__mutmut_69": _HASHES_READ_ONLY,
}

STATUS_LINE = re.compile(r"^\s+(?P<name>\S+__mutmut_\d+): (?P<status>.+)$")


def prepare(group: str, spec: Group, work_dir: Path, resume: bool = False) -> Path:
    """A fresh scratch copy of the package, the tests and a pyproject with this group's mutmut section.

    With ``resume`` an existing copy is kept as it is, so mutmut goes on with the mutants an interrupted
    run left unchecked (only valid when neither the code nor the tests changed since).
    """
    target = work_dir / group
    if resume and (target / "mutants").is_dir():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "mathdash", target / "mathdash", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", target / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (target / "artifacts").mkdir()
    shutil.copytree(ROOT / "artifacts" / "builtin", target / "artifacts" / "builtin")
    tests = [test for test in spec.tests if (ROOT / test).is_file()]
    section = "\n".join([
        "", "[tool.mutmut]",
        'source_paths = ["mathdash"]',
        f"only_mutate = {list(spec.files)!r}",
        f"pytest_add_cli_args = {['-p', 'no:cacheprovider', '-q', *spec.pytest_args]!r}",
        f"pytest_add_cli_args_test_selection = {tests!r}",
        "use_git_change_detection = false",
        "",
    ]).replace("'", '"')
    pyproject = (ROOT / "pyproject.toml").read_text() + section
    (target / "pyproject.toml").write_text(pyproject)
    return target


def run_group(group: str, spec: Group, work_dir: Path, jobs: int, resume: bool = False,
              report_only: bool = False) -> tuple[dict[str, str], float]:
    """Run mutmut for one group (or only read its last run); returns {mutant name: status} and seconds."""
    mutmut = Path(sys.executable).with_name("mutmut")
    folder = work_dir / group if report_only else prepare(group, spec, work_dir, resume)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0",
               MATHDASH_RUNS_DIR=str(folder / "runs"))
    started, returncode = time.perf_counter(), 0
    if not report_only:
        run = subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *spec.mutants], cwd=folder,
                             env=env, capture_output=True, text=True)
        (folder / "mutmut-run.log").write_text(run.stdout + run.stderr)
        returncode = run.returncode
    seconds = time.perf_counter() - started
    listing = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=folder, env=env,
                             capture_output=True, text=True)
    statuses = {m["name"]: m["status"] for m in map(STATUS_LINE.match, listing.stdout.splitlines()) if m}
    if spec.mutants:
        statuses = {name: status for name, status in statuses.items()
                    if any(_glob(pattern).match(name) for pattern in spec.mutants)}
    if returncode != 0 or not statuses:
        print(f"mutmut failed for {group} (exit {returncode}); see {folder / 'mutmut-run.log'}")
    return statuses, seconds


def _glob(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern).replace(r"\*", ".*") + "$")


def module_of(name: str) -> str:
    """``mathdash.split.x_make_split__mutmut_3`` -> ``mathdash/split.py``."""
    dotted = name.split("__mutmut_")[0].rsplit(".", 1)[0]
    dotted = re.sub(r"\.x[ǁ_].*$", "", dotted) if "ǁ" in dotted else dotted
    path = dotted.replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def score_table(statuses: dict[str, str]) -> list[tuple[str, Counter]]:
    per_module: dict[str, Counter] = defaultdict(Counter)
    for name, status in statuses.items():
        counts = per_module[module_of(name)]
        counts["equivalent" if status == "survived" and name in EQUIVALENT else status] += 1
    return sorted(per_module.items())


def killed_share(counts: Counter) -> float:
    """Killed (a test failed, or it timed out) over all mutants that ran."""
    ran = sum(counts.values()) - counts["skipped"] - counts["not checked"]
    return (counts["killed"] + counts["timeout"]) / ran if ran else 0.0


def print_scores(results: dict[str, tuple[dict[str, str], float]], survivors: bool = True) -> None:
    header = f"{'module':36} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} {'no tests':>8} " \
             f"{'score':>6} {'w/o equiv.':>10} {'not run':>7}"
    print(header)
    print("-" * len(header))
    for group, (statuses, seconds) in results.items():
        total = Counter()
        for module, counts in score_table(statuses):
            total.update(counts)
            print(_row(module, counts))
        print(_row(f"= {group} ({seconds:.0f} s)", total), "" if killed_share(total) >= GOAL_KILLED else
              f"  below the {GOAL_KILLED:.0%} goal")
    alive = sorted(name for statuses, _ in results.values() for name, status in statuses.items()
                   if status not in ("killed", "timeout", "not checked") and name not in EQUIVALENT)
    if survivors and alive:
        print("\nnot killed (inspect with `mutmut show NAME` in the group's scratch folder):")
        for name in alive:
            print(f"  {name}: {next(s[name] for s, _ in results.values() if name in s)}")


def _row(label: str, counts: Counter) -> str:
    """Scores over the mutants that ran; 'not checked' ones (an interrupted run) are counted apart."""
    counts = Counter(counts)
    unrun = counts.pop("not checked", 0)
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]
    plain = killed / total if total else 0.0
    without = killed / (total - counts["equivalent"]) if total > counts["equivalent"] else 0.0
    return (f"{label:36} {total:7} {killed:6} {counts['survived']:8} {counts['equivalent']:6} "
            f"{counts['no tests']:8} {plain:6.1%} {without:10.1%} {unrun:7}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups: {', '.join(GROUPS)}")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "mathdash-mutation")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted run's scratch copy instead of starting afresh")
    parser.add_argument("--report", action="store_true", help="only print the scores of the last run")
    parser.add_argument("--mutants", default="", help="comma-separated mutmut name globs, e.g. "
                        "'mathdash.dedup.leakage.*' (default: each group's own)")
    args = parser.parse_args()
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")
    results = {}
    for name in names:
        spec = GROUPS[name]
        if args.mutants:
            globs = tuple(glob.strip() for glob in args.mutants.split(",") if glob.strip())
            spec = replace(spec, mutants=globs)
        results[name] = run_group(name, spec, args.work_dir, args.jobs, args.resume, args.report)
        print_scores({name: results[name]}, survivors=False)  # as it goes: a long run may be cut short
    print()
    print_scores(results)
    return 0 if all(killed_share(Counter(s.values())) >= GOAL_KILLED for s, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
