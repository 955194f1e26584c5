// The Datasets module: CSV loading, the built-in generators (glyphs, xor, spirals), seeded
// train/validation splits and feature scaling, producing `Backprop.Examples`.
// It depends on Backprop only. Filled by the training-runner issue.
