#!/usr/bin/env node
// Committed launcher for the compiled CLI, so the bin link works (and stays executable) before
// and after `npm run build` writes dist/.
require('../dist/index.js');
