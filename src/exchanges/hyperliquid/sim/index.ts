import type { SimVenueFactory } from '../../../sim/sim-venue.js';
import { HyperliquidSimVenue } from './venue.js';

/** Builds the simulated Hyperliquid venue (default cadence; see HyperliquidSimVenue for options). */
const hyperliquidSim: SimVenueFactory = (options) => new HyperliquidSimVenue(options);

export default hyperliquidSim;
