// Nothing to compile: the target only declares libFuzzer's driver (include/FuzzDriver.h).
