"""corpus: many documents — sources and sinks, steps and executors.

:mod:`~urai.corpus.sources` reads user input (files, stdin, JSON Lines, directories) into
records or rejections; :mod:`~urai.corpus.local` runs the check over many documents on
several cores (``check_many``, ``BatchChecker``). Corpus work sits above the detect and trace
wings and below the CLI and the HTTP service.
"""
