// libFuzzer's driver, callable from a program's own main (libFuzzer exports it since LLVM 11).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *_Nonnull argc, char *_Nullable *_Nullable *_Nonnull argv,
                        int (*_Nonnull test)(const uint8_t *_Nullable data, size_t size));
