import type { SimVenueFactory } from '../../../sim/sim-venue.js';
import { BybitVenue } from './venue.js';

const factory: SimVenueFactory = (options) => new BybitVenue(options);
export default factory;
