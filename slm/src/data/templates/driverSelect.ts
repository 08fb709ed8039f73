/** DRIVER_SELECT: which kernel module serves a device (by id or name) or a device class. */
import type { IntentTemplates } from '../frames';

export const DRIVER_SELECT: IntentTemplates = {
  intent: 'DRIVER_SELECT',
  frames: [
    {
      name: 'by-id', entity: 'driverDevice', weight: 5, source: 'modules.alias+pci.ids',
      answer: (s) => `load driver ${s.drivers} for ${s.id}`,
      templates: [
        'which driver does {id} need?',
        'what driver should i load for {id}?',
        'which kernel module supports {id}?',
        'driver for {id}',
        'what module handles pci id {id}?',
        'which driver works with {lspci}?',
        'find a driver for {id}',
        'what is the right driver for device {id}?',
        'which linux driver binds to {id}?',
        'load the driver for {id}',
        'pick a driver for {vidhex} {didhex}',
        'what kernel driver does {id} use?',
        'is there a driver for {id}?',
        'which module should i modprobe for {id}?',
        'select the driver for pci device {id}',
        'what driver goes with {lspci}?',
      ],
    },
    {
      name: 'by-name', entity: 'driverDevice', weight: 3, source: 'modules.alias+pci.ids',
      answer: (s) => `load driver ${s.drivers} for ${s.id}`,
      templates: [
        'which driver does my {name} need?',
        'what driver should i use for the {name}?',
        'install the driver for my {name}',
        'what kernel module runs the {name}?',
        'driver for {vendorShort} {deviceShort}',
        'which module do i load for the {name}?',
        'how do i get a driver for the {name}?',
        'what driver supports the {name}?',
        'set up the right driver for my {name}',
        'which driver is used by the {name}?',
        'i need the driver for a {name}',
        'what is the linux driver for the {name}?',
      ],
    },
    {
      name: 'class', entity: 'classDriver', weight: 1, source: 'modules.alias+pci.ids',
      answer: (s) => `load driver ${s.drivers} for ${s.classOwner}class ${s.code}`,
      templates: [
        'which driver handles a {classDevice}?',
        'what module drives {classDevice} devices?',
        'driver for a {classDevice}',
        'which kernel driver is used for {classDevice} hardware?',
        'what do i load for a {classDevice}?',
        'which driver supports {classDevice} controllers?',
        'what driver do {classDevice} devices need?',
      ],
    },
  ],
};
