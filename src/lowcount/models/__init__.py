"""The networks, looked up by name in a plain dict; every one maps (B, 1, H, W) to (B, 1, H, W)
(the 3-D U-Net (B, 1, D, H, W)), or (B, 2, H, W) to (B, 1, H, W) when built with ``in_channels=2`` (the
image and its count-level or noise-level map; EMANet's default). Each class has a ``stride``: input
sides must be multiples of it. Two are not image networks: the feature auto-encoder of the perceptual loss
maps images to themselves through a bottleneck, and EMANet's first stage, ``noise_level_estimator``, maps
an image to one logit per noise level (lowcount.models.emanet.NoiseLevelEstimator); ``emanet_two_stage``
joins it to the backbone as a blind denoiser; ``lesion_unet`` gives lesion logits (the segmentation test).

To add a model: write ``models/<name>.py`` with one class whose constructor arguments are its schema,
add it to ``MODELS`` and to the parametrised tests in ``tests/models``.
"""

from __future__ import annotations

from lowcount.models.autoencoder import FeatureAutoencoder
from lowcount.models.dncnn import DnCNN
from lowcount.models.edsr import EDSR
from lowcount.models.emanet import EMANet, NoiseLevelEstimator
from lowcount.models.emanet_two_stage import TwoStageEMANet
from lowcount.models.lesion_unet import LesionUNet
from lowcount.models.rcan import RCAN
from lowcount.models.redcnn import REDCNN
from lowcount.models.resnet_generator import ResNetGenerator
from lowcount.models.rrdbnet import RRDBNet
from lowcount.models.swinir import SwinIR
from lowcount.models.unet import SEUNet, UNet, UNet3D

MODELS = {
    "unet": UNet,
    "se_unet": SEUNet,
    "unet3d": UNet3D,
    "rcan": RCAN,
    "edsr": EDSR,
    "swinir": SwinIR,
    "rrdbnet": RRDBNet,
    "dncnn": DnCNN,
    "redcnn": REDCNN,
    "emanet": EMANet,
    "noise_level_estimator": NoiseLevelEstimator,
    "emanet_two_stage": TwoStageEMANet,
    "lesion_unet": LesionUNet,
    "resnet_generator": ResNetGenerator,
    "feature_autoencoder": FeatureAutoencoder,
}


def build_model(name: str, **kwargs):
    """Instantiate ``MODELS[name](**kwargs)``; a bad name or argument raises a ValueError naming it."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS)}")
    try:
        return MODELS[name](**kwargs)
    except TypeError as exc:
        raise ValueError(f"model {name!r}: {exc}") from exc
