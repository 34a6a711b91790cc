"""lang: language resources and their loading — tokenizer, morphology, thesaurus, frequency
prior, language model, cloze model, candidate table — with the Indonesian data and every
path to it in :mod:`urai.lang.id`.

Each resource module loads lazily (``default_*()`` functions, cached); nothing is read from
disk at import time. This wing imports nothing of the detect or trace wings.
"""
