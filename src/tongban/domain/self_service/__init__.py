"""Self-service (自助办) and assisted online filing (网办辅导), in plain Python: kiosks, their
pairing codes and idle times, the visits they serve."""
