import type { SimVenueFactory } from '../../../sim/sim-venue.js';
import { BinanceVenue } from './venue.js';

const factory: SimVenueFactory = (options) => new BinanceVenue(options);
export default factory;
