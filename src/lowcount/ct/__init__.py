"""The micro-CT simulator: a procedural mouse and a QA phantom, scanned at a chosen dose.

- ``materials``: the tissues' CT numbers (HU) at the scanner's effective energy and the HU <-> attenuation map;
- ``shapes``: ellipsoids, tubes and shells on a millimetre grid, with in-plane supersampling;
- ``mouse``: one animal's label volume and CT numbers, varied per animal by an explicit ``rng``;
- ``qa_phantom``: the water cylinder with material inserts, a uniform section and an edge for the MTF;
- ``scanner``: parallel-beam acquisition per slice (line integrals, Poisson counting plus electronic noise,
  log transform) and filtered back-projection into HU;
- ``cohort``: animals and the QA phantom on disk as NIfTI volumes with a manifest of animal-level splits.

Arrays are (D, H, W) = (slice, row, column), slices along the animal's long axis; lengths are in mm.
"""
