"""Post-approval supervision (批后监管, 事中事后监管): checklists, inspections, random draws."""
