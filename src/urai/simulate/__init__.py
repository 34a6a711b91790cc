"""simulate: make spun copies with gold alignments (``urai.spin``), for training and
evaluation."""
