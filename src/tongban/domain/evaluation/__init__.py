"""好差评 (GB/T 39734 政务服务评价): ratings of cases and visits, and the rectification of poor
ones, in plain Python."""
