"""questionnaire layer."""
