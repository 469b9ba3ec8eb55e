"""``lowcount configs``: the training and phantom configs that ship with lowcount."""

from __future__ import annotations

from typing import Annotated

import typer

from lowcount.cli.common import exit_on
from lowcount.cli.table import Column, render

app = typer.Typer(
    no_args_is_help=False, invoke_without_command=True, help="List the shipped configs, or print one to copy."
)


@app.callback()
def listing(context: typer.Context) -> None:
    """List the shipped configs: name, training method and what each is (its first comment line)."""
    if context.invoked_subcommand is not None:
        return
    from lowcount.config import recipe_summaries

    rows = recipe_summaries()
    columns = [Column("name", "name"), Column("method", "method"), Column("summary", "what it is")]
    typer.echo(render(rows, columns, "markdown"))
    typer.echo("\n`lowcount configs show NAME > my.yaml` copies one; `lowcount train NAME ...` trains it as it is.")


@app.command()
def show(name: Annotated[str, typer.Argument(help="A name from `lowcount configs`, e.g. se_unet.")]) -> None:
    """Print a shipped config (YAML with its comments)."""
    from lowcount.config import ConfigError, recipe_path, recipes_dir

    with exit_on():
        path = recipe_path(name)
        if recipes_dir() not in path.resolve().parents:
            raise ConfigError(f"{name}: not a shipped config; `lowcount configs` lists them")
    typer.echo(path.read_text(), nl=False)
