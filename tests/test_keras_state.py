"""clear_session from another thread (Streamlit's end of run, keras-tuner's trial start) spares open work."""

import threading

import keras
from keras.src.backend.common import global_state
from streamlit.runtime.scriptrunner import script_runner

from mathdash.keras_state import keras_work
from mathdash.models import build_model

MARK = "mathdash_test_mark"


def _in_other_thread(fn):
    thread = threading.Thread(target=fn)
    thread.start()
    thread.join()


def test_a_clear_from_another_thread_waits_for_no_work_and_clears_after_it():
    with keras_work():
        global_state.set_global_attribute(MARK, 7)
        _in_other_thread(keras.backend.clear_session)
        assert global_state.get_global_attribute(MARK) == 7
        _in_other_thread(keras.utils.clear_session)
        assert global_state.get_global_attribute(MARK) == 7
    _in_other_thread(keras.backend.clear_session)
    assert global_state.get_global_attribute(MARK) is None  # without open work it clears as keras does


def test_streamlits_end_of_run_cleanup_leaves_a_building_thread_alone():
    with keras_work(), keras_work():  # nested stretches count
        global_state.set_global_attribute(MARK, "kept")
        _in_other_thread(script_runner._clean_problem_modules)
        assert global_state.get_global_attribute(MARK) == "kept"
        model = build_model("baseline", 3)
        assert len(model.get_weights()) == 10
    global_state.set_global_attribute(MARK, "gone")
    _in_other_thread(script_runner._clean_problem_modules)
    assert global_state.get_global_attribute(MARK) is None


def test_work_counts_from_several_threads_return_to_zero():
    import mathdash.keras_state as state

    started, release = threading.Barrier(4), threading.Event()

    def work():
        with keras_work():
            started.wait()
            release.wait(10)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    started.wait()
    assert state._open == 3
    release.set()
    for thread in threads:
        thread.join()
    assert state._open == 0
