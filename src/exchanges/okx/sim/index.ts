import type { SimVenueFactory } from '../../../sim/sim-venue.js';
import { OkxSimVenue } from './venue.js';

/** OKX's simulator piece, loaded by the simulator and the tests only. */
const factory: SimVenueFactory = (options) => new OkxSimVenue(options);
export default factory;
