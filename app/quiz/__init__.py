"""Quizzes: question types, attempts and grading; the blueprint lives in quiz.routes."""
