"""build: everything that builds urai's shipped data or trains its models (corpus readers,
the thesaurus, frequency, candidate-table and LM builders, the cloze, detector and screen
trainers). Never imported at run time: only ``urai data build`` / ``urai lm build`` and
``python -m urai.build.<module>`` reach it.
"""
