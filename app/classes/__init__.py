"""Classes: class lists, enrolment, rosters, due dates, review options, password resets."""
