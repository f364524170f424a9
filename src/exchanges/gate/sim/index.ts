import type { SimVenueFactory } from '../../../sim/sim-venue.js';
import { GateSimVenue } from './venue.js';

const createGateSim: SimVenueFactory = (options) => new GateSimVenue(options);

export default createGateSim;
