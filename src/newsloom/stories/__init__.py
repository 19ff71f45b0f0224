"""The story desk's clusterer: each article into a story as the stream arrives, under a stable id."""
