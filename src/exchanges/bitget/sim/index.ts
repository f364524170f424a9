import type { SimVenueFactory } from '../../../sim/sim-venue.js';
import { BitgetSimVenue } from './venue.js';

/** Builds the simulated Bitget v2 venue (pseq chain, checksum 0; see BitgetSimVenue for options). */
const bitgetSim: SimVenueFactory = (options) => new BitgetSimVenue(options);

export default bitgetSim;
