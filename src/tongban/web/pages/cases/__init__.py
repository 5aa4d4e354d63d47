"""Case pages (办件): the applicant's, the window's, the back office's, the manager's."""
