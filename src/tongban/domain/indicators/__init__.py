"""The indicator system (指标体系): indicators as data, their formulas and the case facts."""
