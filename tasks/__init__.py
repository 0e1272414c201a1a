"""Stage logic of the newsfacts pipeline: pure functions from frames to frames, plus `tasks.io`."""
