"""Augmentation of handwritten-symbol images: a serialisable config, an imgaug pipeline built from
it, label-aware flipping, class balancing and preview grids.

The keras batch source lives in ``mathdash.augment.batches`` and is not imported here, so this
package stays free of tensorflow.
"""

from mathdash.augment.balance import (
    BalanceReport,
    balance_classes,
    materialise,
    plan_balance,
    resolve_target,
)
from mathdash.augment.config import (
    CONFIG_DIR,
    CONFIG_DIR_ENV,
    OP_SPECS,
    OPERATIONS,
    PRESETS,
    AugmentConfig,
    OpSetting,
    OpSpec,
    config_dir,
    config_path,
    list_configs,
    load_config,
    resolve_config,
    save_config,
)
from mathdash.augment.flip import MIRROR_PARTNERS, MIRROR_SYMMETRIC, flip_targets
from mathdash.augment.pipeline import augment_images, build_pipeline
from mathdash.augment.preview import compose_grid, preview_grid, preview_variants

__all__ = [
    "CONFIG_DIR", "CONFIG_DIR_ENV", "MIRROR_PARTNERS", "MIRROR_SYMMETRIC", "OPERATIONS", "OP_SPECS",
    "PRESETS", "AugmentConfig", "BalanceReport", "OpSetting", "OpSpec", "augment_images",
    "balance_classes", "build_pipeline", "compose_grid", "config_dir", "config_path", "flip_targets",
    "list_configs", "load_config", "materialise", "plan_balance", "preview_grid", "preview_variants",
    "resolve_config", "resolve_target", "save_config",
]
