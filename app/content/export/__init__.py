"""The question bank outside the app: Moodle XML, GIFT and a printable handout of a module.

Pure functions over the loaded catalogue (no database). What each question type writes is the
type's own `moodle_xml` and `gift` methods (app/quiz/types/); pieces.py holds the small writing
helpers they share, so the types never import the format modules.
"""
