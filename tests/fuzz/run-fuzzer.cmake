# Runs a libFuzzer binary for a bounded time on a fresh copy of a seed corpus.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(GLOB seeds ${SRC}/*)
file(COPY ${seeds} DESTINATION ${WORK})
execute_process(
	COMMAND ${FUZZER} -max_total_time=45 -rss_limit_mb=2048 -timeout=5
		-max_len=70000 -artifact_prefix=${WORK}/../ ${WORK}
	RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "fuzzer failed (${rc}); see the crash- file in ${WORK}/..")
endif()
