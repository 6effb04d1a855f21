# The layering of docs/design.md on the compiled objects (nm): zero forbidden folder arrows,
# no folder or file cycle; and a self-test that a planted forbidden arrow is caught.
strata_script_test(arch_arrows COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/arrows.py ${PROJECT_BINARY_DIR})
strata_script_test(arch_arrows_selftest COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/arrows.py ${PROJECT_BINARY_DIR} --expect-violation)
