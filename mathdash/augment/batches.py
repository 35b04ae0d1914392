"""On-the-fly augmentation for training: a keras ``PyDataset`` that augments every batch anew.

Each batch is a pure function of (seed, epoch, batch index), so training is repeatable however
many worker threads prefetch batches; this is the only part of ``mathdash.augment`` that imports keras.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from mathdash.augment.config import AugmentConfig
from mathdash.augment.pipeline import augment_images
from mathdash.errors import ConfigError, DatasetError
from mathdash.preprocess import to_model_input


class AugmentedSequence(keras.utils.PyDataset):
    """Shuffled, freshly augmented batches ``(x, y)`` for ``model.fit``.

    ``x`` is float32 (B, 45, 45, 1) with ink = 1 (``mathdash.preprocess.to_model_input``) and ``y``
    int64 (B,) class indices. The order and the augmentation change every epoch and repeat for the
    same seed.

    Args:
        images: uint8 array (N, 45, 45), ink dark on white (the training split).
        labels: int array (N,).
        config: the augmentation applied to every batch.
        batch_size: images per batch; the last batch may be smaller.
        seed: fixes the order and the augmentation of every epoch.
        class_names: the class list ``labels`` index into; needed when the config flips.
        workers: threads preparing batches ahead of the model (None: up to 4, the machine's cores).
        max_queue_size: batches kept ready.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, config: AugmentConfig,
                 batch_size: int = 128, seed: int = 0, class_names: list[str] | None = None,
                 workers: int | None = None, max_queue_size: int = 8):
        workers = min(4, os.cpu_count() or 1) if workers is None else workers
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max_queue_size)
        labels = np.asarray(labels, dtype=np.int64)
        if len(images) == 0 or labels.shape != (len(images),):
            raise DatasetError(f"need N > 0 images and N labels, got {len(images)} and {labels.shape}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        if config.flip.active and class_names is None:
            raise ConfigError("the flip needs class_names (it may change a label)")
        self.images, self.labels, self.config = images, labels, config
        self.batch_size, self.seed, self.class_names = batch_size, seed, class_names
        self._epochs_begun = 0
        self._cached_order: tuple[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch``: a permutation of 0..N-1 fixed by (seed, epoch)."""
        cached = self._cached_order  # one read: worker threads may replace it meanwhile
        if cached is None or cached[0] != epoch:
            cached = (epoch, np.random.default_rng([self.seed, epoch]).permutation(len(self.images)))
            self._cached_order = cached
        return cached[1]

    def batch(self, index: int, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index`` of ``epoch``: (float32 (B, 45, 45, 1), int64 (B,))."""
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range 0..{len(self) - 1}")
        picked = self.order(epoch)[index * self.batch_size:(index + 1) * self.batch_size]
        batch_seed = int(np.random.SeedSequence([self.seed, epoch, index]).generate_state(1)[0])
        images, labels = augment_images(self.images[picked], self.config, batch_seed,
                                        self.labels[picked], self.class_names)
        return to_model_input(images), labels

    @property
    def epoch(self) -> int:
        """The epoch being served: 0 until keras begins the second epoch, then 1, ..."""
        return max(self._epochs_begun - 1, 0)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.batch(index, self.epoch)

    def on_epoch_begin(self) -> None:
        # Keras calls this before it asks for the epoch's first batch (with any number of workers),
        # so the epoch, not the timing of requests, decides the order and the augmentation.
        self._epochs_begun += 1
