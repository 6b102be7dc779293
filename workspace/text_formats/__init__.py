"""What the clinical-text file formats share (brat, BioC XML, JSON Lines).

:mod:`.records` is the neutral form a note's annotations take between the stored
annotations and a file; :mod:`.document_labels` stores a note's document-level labels;
:mod:`.brat_conf` writes and reads brat's ``annotation.conf`` and ``visual.conf``.
"""
