"""The report's figures (matplotlib, Agg backend, PNG written atomically).

- :func:`bland_altman_figure`: per method, lesion maximum counts: difference vs mean (percent), with bias
  and 95 % limits of agreement;
- :func:`correlation_figure`: per method, lesion maximum counts of the image vs the truth, identity line;
- :func:`roc_figure`: patient-level ROC curves of the lesion observer, one per method;
- :func:`case_figure`: the papers' case figure: for a few patients the fast scan, each method, the
  standard scan and the truth (anterior view), each with a zoomed inset on the patient's hottest finding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lowcount.io.atomic import atomic_open


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def _pairs(scores, reference: str) -> tuple[np.ndarray, np.ndarray]:
    """(image maxima, reference maxima) of the findings (``truth``) or of the lesion ROIs (``standard``)."""
    if reference == "truth":
        rows, key = scores.lesions, "truth_max_counts"
    else:
        rows, key = [r for r in scores.rois if r["region"] == "lesion"], "standard_max_counts"
    return np.array([r["max_counts"] for r in rows]), np.array([r[key] for r in rows])


def _lesion_panels(all_scores: dict, panel_width: float, reference: str = "truth"):
    """(figure, [(axis, method name, image lesion maxima, reference lesion maxima)]): one panel per method with
    at least three findings (``truth``) or lesion ROIs (``standard``), spare panels hidden."""
    names = [n for n, s in all_scores.items() if _pairs(s, reference)[0].size >= 3]
    cols = min(4, max(len(names), 1))
    rows = max((len(names) + cols - 1) // cols, 1)  # one empty panel when no method has three findings
    fig, axes = _pyplot().subplots(rows, cols, figsize=(panel_width * cols, 2.8 * rows), squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.set_axis_off()
    panels = []
    for ax, name in zip(axes.flat, names, strict=False):
        panels.append((ax, name, *_pairs(all_scores[name], reference)))
    return fig, panels


def bland_altman_figure(all_scores: dict, path: Path, reference: str = "truth") -> Path:
    """Lesion maxima of each method against the ``truth`` (phantom findings) or the ``standard`` scan (lesion ROIs)."""
    fig, panels = _lesion_panels(all_scores, 3.2, reference)
    for ax, name, a, b in panels:
        mean, diff = (a + b) / 2, 100 * (a - b) / ((a + b) / 2)
        bias, sd = diff.mean(), diff.std(ddof=1)
        ax.scatter(mean, diff, s=8, alpha=0.7)
        for y, style in ((bias, "-"), (bias - 1.96 * sd, "--"), (bias + 1.96 * sd, "--")):
            ax.axhline(y, color="k", linestyle=style, linewidth=0.8)
        ax.set_title(
            f"{name}\nbias {bias:+.1f} %, LoA [{bias - 1.96 * sd:+.1f}, {bias + 1.96 * sd:+.1f}] %", fontsize=8
        )
        ax.set_xlabel("mean of lesion max counts", fontsize=7)
        ax.set_ylabel("difference (% of mean)", fontsize=7)
        ax.tick_params(labelsize=6)
    fig.tight_layout()  # two-line titles would otherwise run into the x labels of the row above
    return _save(fig, path)


def correlation_figure(all_scores: dict, path: Path, reference: str = "truth") -> Path:
    fig, panels = _lesion_panels(all_scores, 3.0, reference)
    for ax, name, a, b in panels:
        r = np.corrcoef(a, b)[0, 1]
        ax.scatter(b, a, s=8, alpha=0.7)
        top = max(a.max(), b.max()) * 1.05
        ax.plot([0, top], [0, top], "k-", linewidth=0.8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_title(f"{name} (r = {r:.3f})", fontsize=8)
        ax.set_xlabel(f"{'truth' if reference == 'truth' else 'standard scan ROI'} lesion max counts", fontsize=7)
        ax.set_ylabel("image lesion max counts", fontsize=7)
        ax.tick_params(labelsize=6)
    fig.tight_layout()
    return _save(fig, path)


def roc_figure(all_scores: dict, path: Path) -> Path:
    from lowcount.evaluate.diagnosis import auc, roc_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    for name, scores in all_scores.items():
        s = np.array([p["score"] for p in scores.patients])
        y = np.array([p["malignant"] for p in scores.patients], bool)
        if y.all() or not y.any():
            continue
        fpr, tpr, _ = roc_curve(s, y)
        ax.step(np.append(fpr, 1.0), np.append(tpr, 1.0), where="post", label=f"{name} (AUC {auc(s, y):.3f})")
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=0.8)
    if len(ax.lines) == 1:
        ax.text(0.5, 0.5, "needs patients with and\nwithout malignant findings", ha="center", fontsize=8)
    else:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("1 - specificity")
    ax.set_ylabel("sensitivity")
    ax.set_title("Patient level: malignant finding or not", fontsize=9)
    return _save(fig, path)


def _inset_box(centre: tuple[float, float] | None, shape: tuple[int, int], half_px: int = 24):
    if centre is None:
        return None
    r0 = int(np.clip(round(centre[0]) - half_px, 0, shape[0] - 2 * half_px))
    c0 = int(np.clip(round(centre[1]) - half_px, 0, shape[1] - 2 * half_px))
    return r0, r0 + 2 * half_px, c0, c0 + 2 * half_px


def _hottest_finding(study, view: int, rois: list | None) -> tuple[float, float] | None:
    """Centre of the zoom: the hottest phantom finding, else the first lesion ROI of the view, else none."""
    if study.has_truth:
        labels, truth = study.fast_labels[view], study.fast_truth[view]
        if not (labels > 0).any():
            return None
        return np.unravel_index(int(np.argmax(np.where(labels > 0, truth, -np.inf))), truth.shape)
    lesions = [r for r in rois or () if r.view == view and r.region == "lesion"]
    return (lesions[0].row, lesions[0].col) if lesions else None


def case_figure(
    studies: list, columns: dict[str, dict[str, np.ndarray]], path: Path, view: int = 0, rois: dict | None = None
) -> Path:
    """``columns``: {title: {study key: (views, rows, cols) image}}, shown left to right; the truth is added last
    when the studies have one (phantoms); otherwise the grey scale follows the last column (the standard scan)
    and the zoom follows the first lesion ROI of ``rois`` ({study key: [Roi]}), placed as drawn."""
    from lowcount.evaluate.gallery import body_rows

    plt = _pyplot()
    with_truth = all(s.has_truth for s in studies)
    titles = [*columns, "truth"] if with_truth else list(columns)
    fig, axes = plt.subplots(2 * len(studies), len(titles), figsize=(1.6 * len(titles), 5.2 * len(studies)),
                             squeeze=False, gridspec_kw={"height_ratios": [3, 1] * len(studies)})  # fmt: skip
    for i, study in enumerate(studies):
        images = [columns[t][study.key][view] for t in columns]
        scale = study.fast_truth[view] if with_truth else images[-1]
        images += [scale] if with_truth else []
        rows = body_rows(scale)
        vmax = float(np.percentile(scale[scale > 0], 99.5)) if (scale > 0).any() else 1.0
        box = _inset_box(_hottest_finding(study, view, (rois or {}).get(study.key)), scale.shape)
        for j, (title, image) in enumerate(zip(titles, images, strict=True)):
            ax, zoom = axes[2 * i, j], axes[2 * i + 1, j]
            ax.imshow(image[rows], cmap="gray_r", vmin=0, vmax=vmax, interpolation="nearest", aspect="auto")
            ax.set_axis_off()
            if i == 0:
                ax.set_title(title.replace(" (", "\n(").replace(" + ", " +\n"), fontsize=7)
            zoom.set_axis_off()
            if box is not None:
                r0, r1, c0, c1 = box
                zoom.imshow(image[r0:r1, c0:c1], cmap="gray_r", vmin=0, vmax=vmax, interpolation="nearest")
                if j == 0:
                    from matplotlib.patches import Rectangle

                    ax.add_patch(Rectangle((c0, r0 - (rows.start or 0)), c1 - c0, r1 - r0, fill=False, color="r",
                                           linewidth=0.8))  # fmt: skip
        axes[2 * i, 0].text(-0.05, 0.5, f"patient {study.key[:6]}", rotation=90, fontsize=6,
                            transform=axes[2 * i, 0].transAxes, ha="right", va="center")  # fmt: skip
    fig.subplots_adjust(wspace=0.03, hspace=0.05)
    return _save(fig, path)
