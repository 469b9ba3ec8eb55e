"""The ``lowcount`` command line: one module per command group, each command parsing its arguments, calling
one library function and printing what it returned. The library is imported inside the commands, so
``import lowcount.cli`` and ``lowcount --help`` stay light.

To add a command: write it in the module of its group (or a new ``cli/<group>.py``) as a plain function with
typer annotations, and register it below.
"""

import typer

from lowcount.cli import (
    adapt,
    bench,
    configs,
    cross_domain,
    ct,
    demo,
    emanet,
    enhance,
    evaluate,
    scans,
    ship,
    simulate,
    train,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Deep-learning enhancement of fast and low-count nuclear-medicine scans.",
)
app.command()(simulate.simulate)
app.command()(scans.index)
app.command()(scans.info)
app.command("estimate-noise")(scans.estimate_noise)
app.command()(demo.demo)
app.command("train")(train.train_command)
app.command("adapt")(adapt.adapt_command)
app.command()(enhance.enhance)
app.command()(enhance.tune)
app.command()(evaluate.evaluate)
app.command("ship-models")(ship.ship_models)
app.command("export-onnx")(enhance.export_onnx)
bench.app.command("cross-domain")(cross_domain.cross_domain_command)
bench.app.command("noise-levels")(emanet.noise_levels_command)
bench.app.command("noise-ladder")(emanet.noise_ladder_command)
bench.app.command("ablation")(emanet.ablation_command)
app.add_typer(bench.app, name="bench")
app.add_typer(configs.app, name="configs")
app.add_typer(ct.app, name="ct")

__all__ = ["app"]
