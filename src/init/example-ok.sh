#!/bin/sh
# An example Nagios-style probe that is healthy: exit 0 (OK), a summary line,
# then performance data after `|`. Any check_* plugin works the same way.
echo "OK - example web tier answering | latency=0.012s;0.5;1;0 connections=12;;;0"
exit 0
