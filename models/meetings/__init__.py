"""When pairs meet: the schedule, its changes, what buddies say about each meeting."""
