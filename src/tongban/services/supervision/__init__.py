"""Post-approval supervision (批后监管): the list, inspection tasks, random draws, figures."""
