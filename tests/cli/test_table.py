import pytest

from lowcount.cli.table import Column, cell, render

COLUMNS = [Column("name", "method"), Column("psnr", "PSNR (dB)", ".2f"), Column("lost", "lost", "d")]


def test_markdown_rows_follow_the_header_with_formatted_cells_and_dashes_for_missing_values():
    text = render([{"name": "tv", "psnr": 36.1849, "lost": 8}, {"name": "raw", "psnr": None}], COLUMNS)
    assert text.splitlines() == [
        "| method | PSNR (dB) | lost |",
        "|---|---|---|",
        "| tv | 36.18 | 8 |",
        "| raw | - | - |",
    ]


def test_plain_columns_are_right_aligned_to_their_widest_cell():
    rows = [{"name": "se_unet", "psnr": 38.061, "lost": 11}, {"name": "tv", "psnr": 6.0, "lost": 8}]
    lines = render(rows, COLUMNS, "plain").splitlines()
    assert lines == [" method  PSNR (dB)  lost", "se_unet      38.06    11", "     tv       6.00     8"]
    assert len({len(line) for line in lines}) == 1


def test_a_bad_style_is_refused_and_none_is_a_dash():
    assert cell(None, ".2f") == "-" and cell(3, "") == "3"
    with pytest.raises(ValueError, match="style"):
        render([], COLUMNS, "html")
