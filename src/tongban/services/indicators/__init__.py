"""The indicator system (指标体系): definitions as data, figures from the rollups, drill-down."""
