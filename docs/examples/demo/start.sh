#!/bin/sh
# Serve the www/ folder on the Space's app_port with busybox httpd.
echo "Hello Spacehook: serving on port 7860 as uid $(id -u) (SPACE_ID=$SPACE_ID)"
exec httpd -f -v -p 7860 -h ./www
