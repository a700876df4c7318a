#!/usr/bin/env node
import '../dist/sidecarctl.mjs';
