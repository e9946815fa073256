"""CirrusMD's SDK session contract: ``POST /sdk/v2/public/sessions``."""
