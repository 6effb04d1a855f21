# The progress channel (issue 5): events over real sockets on 127.0.0.1 (ephemeral ports),
# CURVE, snapshots; and end to end with `strata monitor` against a publishing MPI program
# (cli_test.sh, split in two halves to keep each test short).
strata_test_exe(test_monitor_events ${STRATA_AREA_DIR}/test_events.c)
strata_mpi_test(monitor_events EXE test_monitor_events NPROCS 1 2 4)
strata_test_exe(monitor_emitter ${STRATA_AREA_DIR}/emitter.c)
add_executable(monitor_fake_pub ${STRATA_AREA_DIR}/fake_pub.c)
target_link_libraries(monitor_fake_pub PRIVATE PkgConfig::ZMQ)
strata_script_test(monitor_cli_subscribers NPROCS 1 2
  COMMAND bash ${STRATA_AREA_DIR}/cli_test.sh $<TARGET_FILE:monitor_emitter> $<TARGET_FILE:monitor_fake_pub> 1 2 3 4 5)
strata_script_test(monitor_cli_modes NPROCS 1 2
  COMMAND bash ${STRATA_AREA_DIR}/cli_test.sh $<TARGET_FILE:monitor_emitter> $<TARGET_FILE:monitor_fake_pub> 6 7 8 9 10)
# no unencrypted listener beyond loopback, decided on the address bound; a bound monitor ignores
# malformed messages (issue 14, item 3)
strata_script_test(monitor_bind NPROCS 1 2 4
  COMMAND bash ${STRATA_AREA_DIR}/test_bind.sh $<TARGET_FILE:monitor_emitter> $<TARGET_FILE:monitor_fake_pub>)
# The monitor's view without sockets (monitor/view.c, issue 15): hand-written events -> state,
# seq gaps, snapshots, plain lines, exit codes.  Not an MPI test (MPI only for the clock): np 1.
strata_test_exe(test_monitor_view ${STRATA_AREA_DIR}/test_view.c)
strata_mpi_test(monitor_view EXE test_monitor_view NPROCS 1)
