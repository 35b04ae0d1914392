"""Time estimates from measured throughput: the arithmetic, and where the throughput comes from."""

import pytest

from mathdash import estimate, studies
from mathdash.train import TrainConfig


def test_measured_throughput_prefers_the_newest_run_of_the_model_then_the_reference():
    runs = [("r3", {"model": "baseline"}, {"images_per_second": 900.0}),
            ("r2", {"model": "cnn"}, {"images_per_second": 250.0}),
            ("r1", {"model": "cnn"}, {"images_per_second": 999.0})]
    cnn = estimate.measured_throughput("cnn", runs)
    assert (cnn.images_per_second, cnn.source) == (250.0, "measured by run r2")
    resnet = estimate.measured_throughput("resnet50v2", runs)
    assert resnet.images_per_second == estimate.REFERENCE_IMAGES_PER_SECOND["resnet50v2"]
    assert "reference" in resnet.source


def test_fit_seconds_count_training_validation_augmentation_and_scoring():
    # 10 epochs x (600 train / 100 + 300 val / 300) = 70 s
    assert estimate.fit_seconds(600, 300, 10, 100.0) == pytest.approx(70.0)
    with_aug = estimate.fit_seconds(600, 300, 10, 100.0, on_the_fly=True)
    assert with_aug == pytest.approx(70.0 + 10 * 600 / estimate.AUGMENT_IMAGES_PER_SECOND)
    # scoring: the test images twice and the 600 training images once, at inference speed
    assert estimate.fit_seconds(600, 300, 10, 100.0, test=300) == pytest.approx(70.0 + 1200 / 300)


def test_a_search_estimate_is_trials_times_epochs_plus_the_retrain():
    rate = estimate.Throughput("cnn", 100.0, "measured by run r")
    one_fit = estimate.fit_seconds(600, 200, 4, 100.0)
    guess = estimate.estimate_search(1000, trials=5, epochs=4, executions=2, throughput=rate)
    assert guess.seconds == pytest.approx(10 * one_fit + estimate.fit_seconds(600, 200, 4, 100.0, test=200))
    assert "5 trials x 4 epochs x 2 execution(s) + retraining the best" in guess.basis
    assert "measured by run r" in guess.basis


def test_a_study_estimate_sums_its_runs_with_each_models_throughput():
    variants = studies.study_variants("architectures", TrainConfig(model="cnn"))
    rates = {m: estimate.Throughput(m, r, "ref") for m, r in {"cnn": 100.0, "mobilenetv2": 50.0,
                                                               "resnet50v2": 10.0}.items()}
    guess = estimate.estimate_study(variants, images=1000, raw_images=1500, class_counts=[500, 500],
                                    epochs=2, throughputs=rates)
    expected = sum(estimate.fit_seconds(600, 200, 2, rate, augmented, test=200)
                   for rate in (100.0, 50.0, 10.0) for augmented in (False, True))
    assert guess.seconds == pytest.approx(expected)
    duplicates = studies.study_variants("duplicates", TrainConfig(model="cnn"))
    guess = estimate.estimate_study(duplicates, images=1000, raw_images=1500, class_counts=[900, 100],
                                    epochs=1, throughputs=rates)
    sizes = (1500, 1000, estimate.balanced_size([900, 100]))  # naive split keeps its duplicates
    expected = sum(estimate.fit_seconds(*estimate.split_sizes(n)[:2], 1, 100.0, test=estimate.split_sizes(n)[2])
                   for n in sizes)
    assert guess.seconds == pytest.approx(expected)
    assert estimate.balanced_size([900, 100, 300]) == 900 + 300 + 300
