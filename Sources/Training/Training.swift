// The Training module: the runner (the epoch loop, writing through Tracking), sweeps,
// workers and resume. It depends on Backprop, Datasets and Tracking. Filled by the
// training-runner issue.
