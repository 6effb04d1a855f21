# cmake --install, then a downstream C program built against the installed tree (CMake package
# and pkg-config, shared and static) runs a distributed PCA at np 2 against closed-form values.
strata_script_test(install NPROCS 2 COMMAND bash ${STRATA_AREA_DIR}/install.sh ${PROJECT_BINARY_DIR})
set_tests_properties(install_np2 PROPERTIES RUN_SERIAL TRUE)
