"""Deterministic demo data for Nanhai District (佛山市南海区): departments, the service network
(district, town and 292 community centres), the service-item catalogue and the three lists."""
