"""``python -m lowcount.cli`` (what ``torchrun ... -m lowcount.cli train`` runs)."""

from lowcount.cli import app

app()
