"""Community sessions: a channel's group of 3 to 6, the rotating chair, and seed 000's protocol."""
