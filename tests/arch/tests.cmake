# The layering of docs/design.md on the compiled objects (nm): zero forbidden folder arrows,
# no folder or file cycle; and a self-test that a planted forbidden arrow is caught.
strata_script_test(arch_arrows COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/arrows.py ${PROJECT_BINARY_DIR})
strata_script_test(arch_arrows_selftest COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/arrows.py ${PROJECT_BINARY_DIR} --expect-violation)
# -DSTRATA_WITH_IO=OFF builds libstrata without HDF5/ZeroMQ/jansson and it runs a PCA at np 2
strata_script_test(arch_numerics_only NPROCS 2 COMMAND bash ${STRATA_AREA_DIR}/numerics_only.sh)
