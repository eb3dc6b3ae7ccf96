// Validates a SARIF log against the SARIF 2.1.0 JSON schema (draft-04):
//   node validate.js SCHEMA LOG
// Needs the npm packages ajv@8, ajv-draft-04@1 and ajv-formats@3 on NODE_PATH.
const fs = require("fs");
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");
const schema = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const log = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
// The schema has a pattern that is only valid without the u flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
if (!validate(log)) {
  console.error(JSON.stringify(validate.errors, null, 2));
  process.exit(1);
}
console.log("valid");
