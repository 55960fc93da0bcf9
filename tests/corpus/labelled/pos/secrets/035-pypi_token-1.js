# expect: secrets.pypi_token high
# path: src/client.js
const axios = require('axios');
const pypi_api_token = 'pypi-AgEIcHlwaS5vcmcULQVIEeriGLvZU0e-xXoUOUu_7U1TpXa1YJEKAmEiLLxf2WzB-jYr_TCQ0HxfVaKqZj45vyWjNsZjnf2rIl32eBmFPrCDTRXQB1S0uvrWK3nXEVpUeJ';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${pypi_api_token}` } });
